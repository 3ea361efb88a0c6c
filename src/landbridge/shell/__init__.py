"""The web shell (top layer): the pages that belong to no domain module: log in / log out, the account
(password change) page and the public page of the rules in force (issue #14 item 4).

Above every domain module and auth; it uses the ``landbridge.web`` toolkit. Its routers are
``landbridge.shell.session_pages``, ``landbridge.shell.account`` and ``landbridge.shell.rules_pages``.
"""
