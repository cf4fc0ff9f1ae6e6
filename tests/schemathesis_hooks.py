"""Schemathesis hooks for the rma-server API (tests/tests/openapi.rs loads them).

Sync bodies are postcard bytes (application/vnd.rma.sync+postcard): what Schemathesis
generates for them is sent as it is, so the server meets arbitrary bytes.
"""

import schemathesis


@schemathesis.serializer("application/vnd.rma.sync+postcard")
def sync_data(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode()
