"""红榜, 黑榜 and tied places that respect uncertainty (pure polars).

In each list (group, partition, month), units in published order are cut
into blocks: a unit and the next one are in the same block unless the first
is strictly ahead in score and stays strictly ahead in at least
`robust_share` of the robustness draws. Units that did not submit tie at the
end. A block is a run of places whose order is within the margin: the lists
and the headline name its units together (place_first–place_last) and say
so. The 红榜 is every scored unit whose block reaches the top `red_list`
places, the 黑榜 every unit whose block reaches the bottom `black_list`
places (a unit on the 红榜 is never also on the 黑榜); when one tied block
reaches both, the whole list is within the margin and neither is published
(list_note says why).
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
    red = scored & (pl.col("_bfirst") <= group.red_list)
    black = pl.col("_blast") > pl.col("_n") - group.black_list
    df = df.with_columns(_red=red, _black=black)
    # a tied block reaching both the top and the bottom places: the list is within the margin
    size = pl.len().over(block)
    clash = (pl.col("_red") & pl.col("_black") & (size > 1)).any().over(LIST)
    return df.with_columns(
        on_red_list=pl.col("_red") & ~clash,
        on_black_list=pl.col("_black") & ~pl.col("_red") & ~clash,
        list_note=pl.when(clash).then(pl.lit(NOTE_ALL_TIED)),
    ).drop(
        "_pos",
        "_n",
        "_next_score",
        "_next_scored",
        "_link",
        "_block",
        "_bfirst",
        "_blast",
        "_red",
        "_black",
    )
