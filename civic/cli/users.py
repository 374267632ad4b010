"""`civic users`: the dashboard's accounts."""

from __future__ import annotations

import sys

import click


@click.group("users")
def users_cmd() -> None:
    """Manage the dashboard's accounts (管理员 / 审核 / 乡镇 / 领导).

    Accounts live in data/accounts.sqlite (CIVIC_ACCOUNTS_DB), with the access log.
    """


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")


@users_cmd.command("add")
@click.argument("username")
@click.option(
    "--name",
    "display_name",
    default="",
    metavar="NAME",
    help="The person's name, as shown and audited.",
)
@click.option(
    "--role",
    type=click.Choice(["admin", "reviewer", "town", "leader"]),
    required=True,
    help="What the account may see and do.",
)
@click.option(
    "--town",
    "town_code",
    default=None,
    metavar="CODE",
    help="The town (institute code) of a 乡镇 account.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add_cmd(username, display_name, role, town_code, password_stdin) -> None:
    """Open an account.

    Roles: admin (管理员), reviewer (审核), town (乡镇, with --town) and leader (领导). The
    password is prompted twice, or read with --password-stdin.
    """
    from core import accounts

    try:
        accounts.add_user(username, display_name, role, _password(password_stdin), town_code,
                          actor="civic users")  # fmt: skip
    except accounts.AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已开设 {username}（{accounts.ROLES[role]}）")


@users_cmd.command("list")
def users_list_cmd() -> None:
    """List the accounts."""
    from core import accounts

    for u in accounts.list_users():
        state = "启用" if u["is_active"] else "停用"
        if u["locked_until"]:
            state += f"，锁定至 {u['locked_until']}"
        click.echo(
            f"{u['username']:<16} {u['display_name']:<8} {accounts.ROLES[u['role']]:<4} "
            f"{u['town_code'] or '':<10} {state}"
        )


@users_cmd.command("disable")
@click.argument("username")
def users_disable_cmd(username) -> None:
    """Disable an account (its sessions end at once)."""
    _set_active(username, False)


@users_cmd.command("enable")
@click.argument("username")
def users_enable_cmd(username) -> None:
    """Enable a disabled account again."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from core import accounts

    try:
        accounts.set_active(username, active, actor="civic users")
    except accounts.AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已{'启用' if active else '停用'} {username}")


@users_cmd.command("reset")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_reset_cmd(username, password_stdin) -> None:
    """Set a new password (clears a lockout, ends the account's sessions).

    The password is prompted twice, or read with --password-stdin.
    """
    from core import accounts

    try:
        accounts.reset_password(username, _password(password_stdin), actor="civic users")
    except accounts.AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"已重置 {username} 的密码")
