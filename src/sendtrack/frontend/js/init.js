// Runs first in <body>: marks the page as JavaScript-enabled (GOV.UK Frontend's convention). Kept in a
// file, not inline, so the content security policy needs no 'unsafe-inline'.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
