"""gunicorn settings from the environment; `gunicorn wsgi:app` reads this file itself.

Forwarded headers (X-Forwarded-For and -Proto, and SCRIPT_NAME or PATH_INFO sent as
headers) are trusted only from the proxies listed in FORWARDED_ALLOW_IPS: none unless
set. gunicorn's own default trusts loopback, which lets anything on the machine (or a
proxy that passes client headers through) move the app under another script root,
so that its pages link to another site.
"""

import os

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
# gunicorn's control socket sits at one path per user: a second app (or a test run)
# on the machine would take it over. Turn it on with GUNICORN_CONTROL_SOCKET=1.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") != "1"
