"""The citizen portal's pages (市民端, ``/m/``): public, no login, mobile first, no JavaScript
needed (plain HTML forms; ``static/js/portal.js`` only adds comfort)."""
