import click

from motcua_platform.audit.services import Actor
from motcua_platform.auth import services
from motcua_platform.auth.models import OperatorRole
from motcua_platform.errors import ServiceError


@click.group()
def operators() -> None:
    """Vendor operator accounts."""


@operators.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in OperatorRole]), default="operator", show_default=True)
@click.password_option(help="Prompted for when not given.")
@click.pass_obj
def create(cli, email: str, full_name: str, role: str, password: str) -> None:
    """Create an operator account on the platform host."""
    import getpass

    with cli.runtime.db.control_session() as session:
        try:
            operator = services.create_operator(
                session,
                Actor("cli", None, getpass.getuser()),
                email=email,
                full_name=full_name,
                password=password,
                role=role,
            )
        except ServiceError as exc:
            raise click.ClickException(_describe(exc)) from None
        session.commit()
        click.echo(f"operator {operator.id} <{operator.email}> created with role {role}")


def _describe(exc: ServiceError) -> str:
    """The error and each field's problems, one per line (nested fields as parent.child)."""
    lines = [str(exc.message)]  # in the command's language (i18n)

    def walk(errors, prefix: str) -> None:
        for field, problems in errors.items():
            if isinstance(problems, dict):
                walk(problems, f"{prefix}{field}.")
            else:
                lines.append(f"  {prefix}{field}: {'; '.join(map(str, problems))}")

    walk(exc.errors, "")
    return "\n".join(lines)
