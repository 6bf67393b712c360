"""The chaos harness: service backends, a Toxiproxy-compatible server, drills, verdicts.

``python -m chaos list | run <ids or files> | report`` (see :mod:`chaos.__main__`). One module per
concept:

- ``backends``: where Redis, PostgreSQL, Toxiproxy and Prometheus come from (``local`` processes
  or ``containers``), chosen automatically or by ``--backend`` / ``$CORP_CHAOS_BACKEND``;
  ``processes``: the child processes and temp dirs they own, and their guaranteed teardown.
- ``toxiproxy`` / ``toxiproxy_server``: the embedded Toxiproxy-compatible server;
  ``faults``: the one wrapper over toxiproxy-python plus process faults.
- ``drill``: the drill file format (``runbooks/drills/<id>.yaml``), errors with field and line.
- ``environment``: a drill's running services, proxied links and workload processes.
- ``probes`` (readings and typed tolerances), ``criteria`` (pass criteria),
  ``journal`` (the record and the ``Status`` verdict), ``runner`` (the fixed run sequence),
  ``report`` (JSON, JUnit XML, Markdown with timeline plots).
"""
