"""Staff accounts from the command line.

    python -m bot.app.console create-admin USERNAME            # asks for the password twice
    python -m bot.app.console create-user USERNAME ROLE [SERVICE ...]
    python -m bot.app.console create-key --agency CODE --name "ชื่อหน่วยงาน" --services a,b
    python -m bot.app.console list-keys | revoke-key NUMBER

The password is read from the terminal (or the CONSOLE_PASSWORD variable, for scripts),
never from the command line; the key commands are ``bot.app.console.keys``'s. The database
is migrated first.
"""

from __future__ import annotations

import getpass
import os
import sys

from sqlalchemy.exc import IntegrityError

from bot.app.console import auth, keys
from bot.app.console.models import ADMIN, ROLES
from bot.kernel import db
from bot.kernel.settings import Settings

MIN_PASSWORD = 12


def _password() -> str | None:
    given = os.environ.get("CONSOLE_PASSWORD")
    if given is not None:
        return given
    first = getpass.getpass("รหัสผ่าน: ")
    return first if getpass.getpass("ยืนยันรหัสผ่าน: ") == first else None


def main(argv: list[str]) -> int:
    if argv[:1] and argv[0] in ("create-key", "revoke-key", "list-keys"):
        return keys.command(argv)
    if len(argv) >= 2 and argv[0] == "create-admin":
        username, role, services = argv[1], ADMIN, []
    elif len(argv) >= 3 and argv[0] == "create-user" and argv[2] in ROLES:
        username, role, services = argv[1], argv[2], argv[3:]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    password = _password()
    if password is None:
        print("รหัสผ่านสองครั้งไม่ตรงกัน", file=sys.stderr)
        return 1
    if len(password) < MIN_PASSWORD:
        print(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD} ตัวอักษร", file=sys.stderr)
        return 1
    url = Settings.from_env().database_url
    db.upgrade(url)
    try:
        with db.session_factory(url).begin() as session:
            user = auth.create_user(session, username, password, role, services=services)
            auth.audit(session, None, "create_user", user.username, role,
                       "command line", "command line")
    except IntegrityError:
        print(f"มีผู้ใช้ชื่อ {username} อยู่แล้ว", file=sys.stderr)
        return 1
    print(f"สร้างผู้ใช้ {username} ({role}) แล้ว")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
