"""A throw-away Dovecot (IMAP and POP3 on 127.0.0.1) for the tests and the benchmark.

Dovecot runs in the foreground (``dovecot -F``) with a generated configuration: its runtime
directory, state, log and maildirs live in one temporary directory; the ports are free ones
found at start; test mailboxes are plain-password passwd-files, one per mailbox. Dovecot
never lets a mailbox be served as root, so when this runs as root the mail belongs to the
system's ``mail`` user (the mailboxes are chowned to it); otherwise to the user running it.
"""

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {root}/users/%n
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""


def available() -> bool:
    return os.path.exists(DOVECOT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="zapros-dovecot-"))
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            mail = pwd.getpwnam("mail")
            self.uid, self.gid = mail.pw_uid, mail.pw_gid
            internal = _existing_user("dovecot", "mail")
            login = _existing_user("dovenull", "nobody")
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            internal = login = pwd.getpwuid(self.uid).pw_name
        self.internal_user, self.login_user = internal, login
        self.imap_port = self.pop3_port = 0
        self.process: subprocess.Popen | None = None
        self.passwords: dict[str, str] = {}
        for name in ("run", "state", "mail", "users"):
            (self.root / name).mkdir()
        os.chown(self.root / "mail", self.uid, self.gid)

    # --- Running ----------------------------------------------------------------------------

    def start(self, *, keep_ports: bool = False) -> "Dovecot":
        if not keep_ports or not self.imap_port:
            self.imap_port, self.pop3_port = free_port(), free_port()
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, uid=self.uid, gid=self.gid, imap_port=self.imap_port,
            pop3_port=self.pop3_port, internal_user=self.internal_user,
            login_user=self.login_user,
        ))
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()}"
                                   f"\n{self.log()}")
            if _answers(self.imap_port) and _answers(self.pop3_port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start listening\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        # Wait for the ports to close, so that a restart on the same ports can bind them.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            _answers(self.imap_port) or _answers(self.pop3_port)
        ):
            time.sleep(0.05)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- Mailboxes --------------------------------------------------------------------------

    def mailbox(self, login: str | None = None, password: str | None = None) -> tuple[str, str]:
        """Add a mailbox (a new one each call by default); returns (login, password)."""
        login = login or f"box-{uuid.uuid4().hex[:10]}"
        password = password or uuid.uuid4().hex
        self.passwords[login] = password
        # One passwd-file per mailbox: a new file is read at once, while a rewritten one may
        # look unchanged to Dovecot within the same second.
        (self.root / "users" / login).write_text(f"{login}:{{PLAIN}}{password}\n")
        maildir = self.root / "mail" / login
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
            os.chown(maildir / sub, self.uid, self.gid)
        os.chown(maildir, self.uid, self.gid)
        return login, password

    def deliver(self, login: str, raw: bytes) -> None:
        """Drop a mail into the mailbox as the delivery agent would: tmp/, then new/."""
        maildir = self.root / "mail" / login
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.zapros"
        temporary = maildir / "tmp" / name
        temporary.write_bytes(raw)
        os.chown(temporary, self.uid, self.gid)
        os.rename(temporary, maildir / "new" / name)

    def kick(self, login: str) -> None:
        """Drop every open connection of the mailbox, server side (``doveadm kick``)."""
        subprocess.run([shutil.which("doveadm") or "/usr/bin/doveadm", "-c",
                        str(self.root / "dovecot.conf"), "kick", login],
                       check=True, capture_output=True, timeout=10)

    def imap(self, login: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        conn.login(login, self.passwords[login])
        return conn

    def unseen_count(self, login: str) -> int:
        conn = self.imap(login)
        try:
            conn.select("INBOX")
            _status, data = conn.uid("SEARCH", "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            conn.logout()

    def message_count(self, login: str) -> int:
        conn = self.imap(login)
        try:
            _status, data = conn.select("INBOX")
            return int(data[0])
        finally:
            conn.logout()


def _existing_user(*names: str) -> str:
    for name in names:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return "root"


def _answers(port: int) -> bool:
    if not port:
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
