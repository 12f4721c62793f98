"""The clear states every page shows when it cannot show its content."""

from __future__ import annotations

import streamlit as st

from .gateway import GatewayUnreachableError, NotReadyError, ProblemError


def show_failure(err: Exception, what: str) -> None:
    """Explains why `what` cannot be shown: gateway down, not ready yet, or the function's problem."""
    if isinstance(err, GatewayUnreachableError):
        st.error(
            f"**The gateway is down.** Cannot reach {err.url} ({err.reason}), so {what} cannot be shown. "
            "Start it (`npx casa gateway` or `make demo`) or point `CASA_GATEWAY_URL` at it, then reload.",
            icon=":material/power_off:",
        )
    elif isinstance(err, NotReadyError):
        wait = f" Try again in about {err.retry_after} s." if err.retry_after else ""
        st.warning(f"**Not ready yet.** {err.detail}.{wait}", icon=":material/hourglass_top:")
    elif isinstance(err, ProblemError):
        st.error(f"**{what.capitalize()} failed** — {err}", icon=":material/error:")
    else:
        st.error(f"**{what.capitalize()} failed** — {err}", icon=":material/error:")
