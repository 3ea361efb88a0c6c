"""The web toolkit that every module's API and pages use (issue #14 item 4); it imports no domain module, no auth
and no page of the shell (checked by ``tests/web/test_toolkit.py``).

* ``transaction``: one transaction per request (``TransactionalRoute``, ``AuditedReadRoute``, ``get_session``);
* ``forms``: the form token (CSRF), local redirect targets, an error's message in the page language;
* ``pages``: ``PageKit`` (a module's translator, page rendering with flash and labels, the form action
  pattern), ``flash``, ``page_caller`` (the caller's principal is passed in);
* ``render`` and ``i18n``: Jinja2 rendering with the base layout, the layered translators and catalogues;
* ``security`` and ``docs``: the security middleware and the API docs pages.

The pages that belong to no domain module (login, logout, account, rules) are in ``landbridge.shell``; the public
map is the registry's (``landbridge.registry.map_page``).
"""
