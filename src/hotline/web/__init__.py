"""The web console (控制台) and the leaders' dashboard (大屏): server-rendered pages.

Jinja2 templates, htmx for partial updates and ECharts for charts, all served by the
same FastAPI app from ``/static`` (no CDN). :func:`hotline.web.console.mount` adds the
pages to the app; ``python -m hotline.web.assets`` copies the npm files into
``static/vendor``. See ``docs/web.md``.
"""
