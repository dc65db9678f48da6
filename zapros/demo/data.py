"""Who the demo data signs in as. The `demo` command creates these people and the README
lists them; ``python -m zapros.demo.data`` prints the table that `make run` shows.

The passwords are for a local demo only: never load the demo data into a real installation.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    role: str          # accounts.models.Role value
    what: str          # one line for the README and the `make run` banner
    language: str = "en"
    password: str = DEMO_PASSWORD


ADMIN = DemoLogin("admin@zapros.test", "Ada Admin", "admin",
                  "administrator, also signs in to /admin/")
SUPERVISOR = DemoLogin("supervisor@zapros.test", "Sue Visor", "supervisor",
                       "supervisor: every department, reassigns and unlocks")
JOHN = DemoLogin("john@zapros.test", "John Smith", "agent", "agent in Technical support")
GARY = DemoLogin("gary@zapros.test", "Gary Stark", "agent",
                 "agent in Technical support and Sales")
ALICE = DemoLogin("alice@example.com", "Alice Morgan", "client",
                  "client with a hosting plan and a domain")
BOB = DemoLogin("bob@example.com", "Bob Turner", "client", "client with a domain")
IVAN = DemoLogin("ivan@example.com", "Иван Петров", "client",
                 "client with a VPS, reads Zapros in Russian", language="ru")

STAFF = (ADMIN, SUPERVISOR, JOHN, GARY)
CLIENTS = (ALICE, BOB, IVAN)
LOGINS = STAFF + CLIENTS


def logins_table() -> str:
    width = max(len(login.email) for login in LOGINS)
    lines = [f"  {'e-mail'.ljust(width)}  {'password'.ljust(len(DEMO_PASSWORD))}  who"]
    lines += [f"  {login.email.ljust(width)}  {login.password}  {login.name}, {login.what}"
              for login in LOGINS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(logins_table())
