"""The district roll-up (区级汇总): schools publish de-identified summaries, the district
builds one site from them on Dask distributed.

In the order the data flows::

    counts     the obligations engine's verdicts added up by class, grade and school
    protect    small cells suppressed, complementary suppression, rounding
    summary    the published document (format version 1, summary.schema.json)
    publisher  what a school's builder runs after each push: once a period, atomically
    districtfile, fetch, verify   the district's side: which schools, getting, checking
    figures, render, site         the district's figures, pages and mkdocs site
    tasks, engine                 the per-school Dask tasks and the client that runs them
"""
