"""The `civic` command: one subcommand per job.

The group is declared here and the commands live in one module per area:
setup (registry, templates), demo (generate, demo), data (ingest, db-path),
ranking (rank, adjust), publishing (publish, verify, notice, credit), rollup (package),
serve (dashboard) and users. options holds the options several commands share.
"""

from __future__ import annotations

import click

from civic.cli import data, demo, publishing, ranking, rollup, serve, setup, users
from civic.cli.options import registry_option, reports_option, store_option
from civic.cli.serve import theme_options

__all__ = ["main", "registry_option", "reports_option", "store_option", "theme_options"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """civic: the county civilization-practice office's data tool.

    Load the monthly exports, rank the units, publish the index, serve the dashboard.
    """


# in the order the README's table lists them (`civic --help` sorts them by name)
for command in (
    setup.registry_cmd,
    setup.templates_cmd,
    demo.generate_cmd,
    data.ingest_cmd,
    data.db_path_cmd,
    ranking.rank_cmd,
    ranking.adjust_cmd,
    ranking.flags_cmd,
    publishing.publish_cmd,
    publishing.verify_cmd,
    serve.dashboard_cmd,
    publishing.notice_cmd,
    publishing.credit_cmd,
    rollup.package_cmd,
    rollup.rollup_cmd,
    users.users_cmd,
    demo.demo_cmd,
):
    main.add_command(command)
