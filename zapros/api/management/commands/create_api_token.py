from django.core.management.base import BaseCommand, CommandError

from zapros.accounts.models import User
from zapros.accounts.system import SYSTEM_EMAIL
from zapros.api.models import ApiToken


class Command(BaseCommand):
    help = (
        "Issue an API token for a user and print its secret. The secret is shown only now: "
        "Zapros keeps just its hash."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The e-mail address the user signs in with.")
        parser.add_argument("--name", required=True, help="What the token is for.")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"There is no user with the address {email}.")
        if user.email == SYSTEM_EMAIL:
            raise CommandError(f"{email} is what Zapros's background work acts as; it has no "
                               "tokens.")
        if not user.is_active:
            raise CommandError(f"{email} is deactivated; its tokens would not work.")
        name = name.strip()
        if not name:
            raise CommandError("Give the token a name (--name).")
        token, secret = ApiToken.issue(user, name[:100])
        if options["verbosity"] > 0:
            self.stderr.write(
                f"Token “{token.name}” for {user.email} ({user.get_role_display()}). "
                "Keep the secret safe; it is not shown again:"
            )
        self.stdout.write(secret)
