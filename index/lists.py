"""红榜, 黑榜 and tied places that respect uncertainty (pure polars).

In each list (group, partition, month), units in published order are cut
into blocks: a unit and the next one are in the same block unless the first
is strictly ahead in score and stays strictly ahead in at least
`robust_share` of the robustness draws. Units that did not submit tie at the
end. A block is a run of places whose order is within the margin
(place_first–place_last), and the lists and the headline name its units
together:
- the 红榜 (an honour) is every scored unit whose block reaches the top
  `red_list` places: units tied at its edge share it;
- the 黑榜 (a reproach) is every unit whose whole block lies within the
  bottom `black_list` places: a unit is only named when it is surely there
  (units with exactly the same score are one place and named together).
  When a block straddles the edge, list_note names its places ("第14–18名
  差距在误差范围内，未列入黑榜");
- when the top block reaches the bottom places, the whole list is within the
  margin and neither list is published (list_note says so).
"""

from __future__ import annotations

import polars as pl

from index.methodology import Group
from index.score import LIST

NOTE_ALL_TIED = "得分差距均在误差范围内，本月不设红黑榜"


def with_lists(ranked: pl.DataFrame, group: Group, robust_share: float) -> pl.DataFrame:
    """Add place_first, place_last, on_red_list, on_black_list and list_note.

    ranked: rank rows of the months that have robustness (ahead_share).
    """
    scored = pl.col("score").is_not_null()
    df = ranked.sort([*LIST, "rank", "unit_code"]).with_columns(
        _pos=pl.int_range(1, pl.len() + 1).over(LIST),
        _n=pl.len().over(LIST),
        _next_score=pl.col("score").shift(-1).over(LIST),
        _next_scored=pl.col("score").is_not_null().shift(-1).over(LIST),
    )
    robust_link = (
        pl.when(scored & pl.col("_next_scored").fill_null(False))
        .then(
            (pl.col("score") > pl.col("_next_score"))
            & (pl.col("ahead_share").fill_null(0.0) >= robust_share)
        )
        .when(scored)
        .then(pl.lit(True))  # the last scored unit is surely ahead of those that did not submit
        .otherwise(pl.lit(False))  # units that did not submit tie
    )
    df = df.with_columns(_link=robust_link)
    starts = pl.col("_link").shift(1).over(LIST).fill_null(True)
    df = df.with_columns(_block=starts.cast(pl.Int32).cum_sum().over(LIST))
    block = [*LIST, "_block"]
    df = df.with_columns(
        place_first=pl.col("rank").min().over(block),
        place_last=pl.col("rank").max().over(block),
        _bfirst=pl.col("_pos").min().over(block),
        _blast=pl.col("_pos").max().over(block),
    )
    edge = pl.col("_n") - group.black_list  # the last place above the 黑榜's places
    has_black = pl.lit(group.black_list > 0)
    red = scored & (pl.col("_bfirst") <= group.red_list)
    straddles = (pl.col("_bfirst") <= edge) & (pl.col("_blast") > edge) & has_black
    # an exact tie (one score) is one place: named together, whatever the margin
    exact = pl.col("score").n_unique().over(block) == 1
    black = ((pl.col("_bfirst") > edge) | (straddles & exact)) & has_black
    straddles = straddles & ~exact
    size = pl.len().over(block)
    df = df.with_columns(_red=red, _black=black, _straddles=straddles)
    # the top block reaching the bottom places: the whole list is within the margin
    clash = (pl.col("_red") & (pl.col("_blast") > edge) & (size > 1)).any().over(LIST)
    straddle_note = pl.format(
        "第{}–{}名差距在误差范围内，未列入黑榜",
        pl.col("place_first").filter(pl.col("_straddles")).first().over(LIST),
        pl.col("place_last").filter(pl.col("_straddles")).first().over(LIST),
    )
    any_straddle = pl.col("_straddles").any().over(LIST)
    return df.with_columns(
        on_red_list=pl.col("_red") & ~clash,
        on_black_list=pl.col("_black") & ~pl.col("_red") & ~clash,
        list_note=pl.when(clash)
        .then(pl.lit(NOTE_ALL_TIED))
        .when(any_straddle)
        .then(straddle_note),
    ).drop(
        "_pos", "_n", "_next_score", "_next_scored", "_link", "_block", "_bfirst", "_blast",
        "_red", "_black", "_straddles",
    )  # fmt: skip
