"""SOURCE arguments beyond a local folder: git URLs, Binder links, short forms, DOIs, records.

- :mod:`~rees2conda.sources.detect`: is SOURCE a folder? (import-light, on every run);
- :mod:`~rees2conda.sources.spec` and :mod:`~rees2conda.sources.binder`: what SOURCE means;
- :mod:`~rees2conda.sources.fetch`: bring it into a folder, with its provenance;
- :mod:`~rees2conda.sources.git`, :mod:`~rees2conda.sources.records`,
  :mod:`~rees2conda.sources.recordfetch`: git checkouts and data records;
- :mod:`~rees2conda.sources.http`, :mod:`~rees2conda.sources.archive`,
  :mod:`~rees2conda.sources.urls`, :mod:`~rees2conda.sources.hosts`: the plumbing.

Nothing here is imported for a local folder beyond ``detect``.
"""
