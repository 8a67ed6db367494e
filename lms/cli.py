"""`flask --app wsgi lms ...`: thin wrappers over the services.

Each command that works through the services runs in `cli_work()` (commit, or roll back and
end with the refusal) and acts as `SYSTEM`: whoever runs the command line owns the server.
Backup, restore and drain-report-keys work on the database files and connections directly.
"""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms.core.actors import SYSTEM
from lms.core.work import cli_work
from lms.demo import MIN_POPULATION, MIN_SCALE
from lms.extensions import db

lms_cli = AppGroup("lms", help="Training-center commands: users, demo data, backups.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(lms_cli)


@lms_cli.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--email", default=None)
@click.option("--unit", "unit_code", default=None, help="Unit code (required for trainees).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["trainee", "instructor", "director", "admin"]),
    help="Repeat for several roles.",
)
@click.password_option()
def create_user_command(username, full_name, email, unit_code, roles, password):
    """Create a user account (for the first admin of a new center)."""
    from lms.admin.services import UserData, create_user

    data = UserData(
        username=username,
        full_name=full_name,
        email=email,
        unit_code=unit_code,
        roles=set(roles) or {"trainee"},
        password=password,
    )
    with cli_work():
        user = create_user(data, actor=SYSTEM)
    click.echo(f"created {user.username} ({', '.join(sorted(user.roles))})")


@lms_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--year", type=int, default=None, help="Generate only this finished year.")
@click.option(
    "--scale",
    type=click.FloatRange(min=MIN_SCALE),
    default=1.0,
    help="Multiply the demo year's size.",
)
@click.option("--years", type=int, default=1, help="How many finished years (ending in --year).")
@click.option("--seed", type=int, default=2019)
@click.option(
    "--population",
    type=click.IntRange(min=MIN_POPULATION),
    default=None,
    help=f"Trainees (default 5,200 × scale, at least {MIN_POPULATION}).",
)
def demo_command(if_empty, year, scale, years, seed, population):
    """Load the demo center: units, people, programs, the year 2019 and the current year."""
    from lms.demo import DemoRefused, database_is_empty, load_demo

    if current_app.config["ENV"] == "production":
        raise click.ClickException("the demo center is refused when LMS_ENV=production")
    if if_empty and not database_is_empty():
        click.echo("The database already has data: demo not loaded (your data is kept).")
        return
    try:
        with cli_work():
            summary = load_demo(
                year=year,
                years=years,
                scale=scale,
                seed=seed,
                population=population,
                echo=click.echo,
            )
    except DemoRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary)


@lms_cli.command("report")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "pdf"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--to-date", is_flag=True, help="Year to date (today) instead of the full year.")
def report_command(year, fmt, output, to_date):
    """Write the plan-versus-actual report of a year to a file (XLSX, CSV or PDF)."""
    from pathlib import Path

    from lms.core.clock import local_today
    from lms.reports import exports, services

    as_of = local_today() if to_date else None
    with cli_work():  # reads only: the refusal, if any, ends the command with its message
        report = services.year_report(year, actor=SYSTEM, as_of=as_of)
        if fmt == "csv":
            body = exports.report_csv(report)
        elif fmt == "xlsx":
            body = exports.report_xlsx(report)
        else:
            body = exports.report_pdf(
                report, services.year_report(year - 1, actor=SYSTEM, months_only=True)
            )
    Path(output).write_bytes(body)
    total = report.total
    click.echo(
        f"{year}: {total.held_classes} classes held, {total.trainee_attendances}"
        f" trainee-attendances -> {output}"
    )


@lms_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Write a consistent copy of the database to PATH, while the app keeps serving."""
    from lms.backup import backup

    backup(path)
    click.echo(f"backup written to {path}")


@lms_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
def restore_command(path, force):
    """Load a backup made by `lms backup` into the configured database."""
    from lms.backup import RestoreRefused, restore

    try:
        restore(path, force=force)
    except RestoreRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored from {path}")


@lms_cli.command("jobs-cleanup")
def jobs_cleanup_command():
    """Mark dead background jobs failed; delete finished jobs (and files) past retention."""
    from lms.core.jobs import cleanup_jobs

    with cli_work():
        deleted = cleanup_jobs()
    click.echo(f"{deleted} old jobs deleted")


@lms_cli.command("drain-report-keys")
def drain_report_keys_command():
    """Store the report keys of every person still pending (after a large import, or from cron;
    the web workers drain 500 at a time after write requests)."""
    from lms.reports import rollups

    with db.engine.begin() as connection:
        people = rollups.drain_all(connection)
    click.echo(f"report keys stored for {people} people")


@lms_cli.command("send-notices")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
def send_notices_command(limit):
    """Send the e-mails of the notices that are due (retries included); safe from cron."""
    from lms.notices.outbox import send_due

    click.echo(str(send_due(limit=limit)))


@lms_cli.command("send-reminders")
def send_reminders_command():
    """Write tomorrow's session reminders and yesterday's missing-marks notices (once per
    person and day, however often it runs), then send what is due. For cron, every few minutes."""
    from lms.core.clock import local_now
    from lms.core.work import cli_work
    from lms.notices.outbox import send_due
    from lms.notices.scheduled import write_scheduled

    current_app.config["MAIL_SEND_AFTER_COMMIT"] = False  # this command sends them itself
    with cli_work():
        reminders, missing = write_scheduled(local_now())
    click.echo(f"{reminders} reminders and {missing} missing-marks notices written")
    click.echo(str(send_due()))


@lms_cli.command("mail-status")
def mail_status_command():
    """Say whether e-mail is on (MAIL_SERVER) and where links in notices point."""
    from lms.notices.services import mail_on, public_base_url

    config = current_app.config
    if mail_on():
        security = (
            "SSL" if config["MAIL_USE_SSL"] else "STARTTLS" if config["MAIL_USE_TLS"] else "plain"
        )
        click.echo(f"E-mail is on: {config['MAIL_SERVER']}:{config['MAIL_PORT']} ({security}); "
                   f"links start with {public_base_url()}")
    else:
        click.echo("E-mail is off (no MAIL_SERVER): notices appear only on the dashboard.")
