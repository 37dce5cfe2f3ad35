# The files of the web UI that hearthd serves, relative to assets/; each is
# served at /<path> ("/" serves index.html). An explicit list (no GLOB), for
# the build step that embeds them (include() this file). The vendor/ files are
# copied from node_modules by packaging/setup-debian.sh (npm ci from
# assets/package-lock.json); node_modules itself is never embedded.
# Content types: .html text/html, .js text/javascript (ES modules need it),
# .css text/css, .svg image/svg+xml.
set(HEARTH_WEB_ASSETS
  index.html
  login.html
  room.html
  pairing.html
  users.html
  audit.html
  favicon.svg
  css/hearth.css
  js/api.js
  js/audit.js
  js/dashboard.js
  js/format.js
  js/house.js
  js/live.js
  js/login.js
  js/nav.js
  js/pairing.js
  js/room.js
  js/trend.js
  js/users.js
  vendor/socket.io.min.js
  vendor/uPlot.iife.min.js
  vendor/uPlot.min.css
)
