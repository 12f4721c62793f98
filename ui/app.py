"""casa's Streamlit UI: Prediction, History and Batches pages, all through the gateway.

Run: CASA_GATEWAY_URL=http://127.0.0.1:8080 streamlit run ui/app.py
"""

import sys
from pathlib import Path

# The pages import casa_ui from this folder, whatever the working directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import streamlit as st  # noqa: E402

from casa_ui.gateway import gateway_url  # noqa: E402

st.set_page_config(page_title="casa — house prices", page_icon="🏠", layout="wide")

pages = st.navigation(
    [
        st.Page("pages/prediction.py", title="Prediction", icon="💲", url_path="prediction", default=True),
        st.Page("pages/history.py", title="History", icon="🕓", url_path="history"),
        st.Page("pages/batches.py", title="Batches", icon="📦", url_path="batches"),
    ]
)
st.sidebar.caption(f"Gateway: `{gateway_url()}`")
pages.run()
