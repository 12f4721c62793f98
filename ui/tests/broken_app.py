"""A page that raises: the browser check must report its exception box (ui/ui.integration.test.ts)."""

import streamlit as st

st.title("broken on purpose")
raise RuntimeError("raised on purpose so the browser check can prove it notices")
