#!/usr/bin/env bash
# Build the front-end assets from the pinned npm packages into src/sendtrack/core/static/sendtrack/
# (git-ignored): GOV.UK Frontend's JavaScript, the compiled Sass entry, our two small scripts.
# No fonts and no crown images are copied: sendtrack is a council service, not GOV.UK.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/govuk-frontend ] || [ ! -x node_modules/.bin/sass ]; then
  npm ci --no-audit --no-fund --silent
fi
out=src/sendtrack/core/static/sendtrack
rm -rf "$out"
mkdir -p "$out"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out/govuk-frontend.min.js"
cp src/sendtrack/frontend/js/init.js src/sendtrack/frontend/js/app.mjs src/sendtrack/frontend/favicon.svg "$out/"
node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
  src/sendtrack/frontend/scss/app.scss "$out/app.css"
version=$(node -p "require('./node_modules/govuk-frontend/package.json').version")
echo "$version" > "$out/GOVUK_FRONTEND_VERSION"
echo "built assets with govuk-frontend $version into $out"
