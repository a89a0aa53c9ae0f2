# Varnish in front of the storefront (Debian 12: `apt-get install varnish varnish-modules`, 7.1 + xkey).
#
#   varnishd -a :80 -f /etc/varnish/storefront/varnish.vcl -p vcl_path=/etc/varnish/storefront \
#            -s malloc,256m
#
# The backend (the app) and who may purge live in backend.vcl beside this file: copy
# backend.vcl.example and set the app's address and port there (the tests and the bench write
# one for the port they use). The app purges with CDN_PURGE=varnish+http://VARNISH_HOST:PORT.
#
# What is cached is decided by the app, on the response: only `Cache-Control: public` answers
# without Set-Cookie are kept (for s-maxage, a day when the app purges, else max-age), whatever
# cookies the shopper sent, because public pages never read them (the request reaches the app
# without its cookies). The shopper's own pages (cart, checkout, the order confirmation and status,
# the language switch) and every non-GET pass straight through with their cookies and are never kept.
# A change at Sendy purges every page of the store by its surrogate key (xkey) at once.

vcl 4.1;

import std;
import xkey;

include "backend.vcl";   # backend default { ... } and acl purgers { ... }

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "An xkey-purge header is required"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The shopper's own pages, with or without a custom domain and a language prefix; the platform's
    # endpoints (/-/: webhooks); probes and the metrics scraper.
    if (req.url ~ "^/([a-z0-9][a-z0-9-]*/)?((ar|en|ckb)/)?(cart|checkout|orders|track|language)(/|\?|$)"
            || req.url ~ "^/-/" || req.url ~ "^/(healthz|readyz|metrics)(\?|$)" || req.http.Authorization) {
        return (pass);
    }
    # The platform's index negotiates the language (Accept-Language, the language cookie): it keeps
    # its cookies, and the app marks it private. Every other public page never reads a cookie.
    if (req.url !~ "^/(\?|$)") {
        unset req.http.Cookie;
    }
    # Serve stale copies past their TTL only briefly while the app is healthy; for a day when it is not
    # (stale-if-error): see the probe in backend.vcl.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_backend_response {
    if (beresp.status >= 500) {
        if (bereq.is_bgfetch) {
            return (abandon);  # keep serving the copy we have
        }
        set beresp.ttl = 0s;   # never keep an error, and never hide a stale copy behind it
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)" || beresp.http.Cache-Control ~ "private|no-store"
            || beresp.http.Set-Cookie) {
        # Not shareable: each shopper gets the app's own answer (hit-for-miss, no waiting in line).
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Shareable: Varnish took the TTL from s-maxage or max-age. Keep it a day longer for when the
    # app cannot answer (grace), and tell browsers only what the app told them (max-age).
    set beresp.grace = 1d;
    set beresp.keep = 1d;
    return (deliver);
}

sub vcl_deliver {
    # Purge keys and CDN directives are for caches, not for browsers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
