"""Superset settings for the House Edge dashboard (read by `superset` through SUPERSET_CONFIG_PATH).

Everything Superset keeps lives in HOUSE_EDGE_DASHBOARD_HOME (default `warehouse/dashboard`,
git-ignored): its metadata database (SQLite) and a secret key generated on first use. The
dashboard is served on loopback and readable without a login (the Public role), read-only: the
warehouse is opened `access_mode=read_only` and Public has no SQL Lab.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

HOME = Path(os.environ.get("HOUSE_EDGE_DASHBOARD_HOME", "warehouse/dashboard")).resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """A random key kept beside the metadata database (mode 0600), never committed."""
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}"

# Anyone who reaches the loopback address sees the dashboard without logging in: the Public role
# is made like Gamma (dashboards and charts, no SQL Lab, no editing) and is granted the
# datasources by `house_edge_dashboard.py build`.
AUTH_ROLE_PUBLIC = "Public"
PUBLIC_ROLE_LIKE = "Gamma"

# Served on 127.0.0.1 over plain HTTP: Talisman's HTTPS redirect and CSP are for deployments.
TALISMAN_ENABLED = False
# No Redis here: rate-limit counters and caches stay in process.
RATELIMIT_STORAGE_URI = "memory://"
# No example data, no telemetry-like upgrade checks.
SUPERSET_LOAD_EXAMPLES = False
# Draw every chart when the dashboard opens, not only those scrolled into view: the headless
# check (pytests/test_dashboard.py) and a printed page see all of them.
FEATURE_FLAGS = {"DASHBOARD_VIRTUALIZATION": False}
