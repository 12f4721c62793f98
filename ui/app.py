"""casa's Streamlit UI: Prediction, History and Batches pages, all through the gateway.

Run: CASA_GATEWAY_URL=http://127.0.0.1:8080 streamlit run ui/app.py
"""

import sys
from pathlib import Path

# The views import casa_ui from this folder, whatever the working directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import streamlit as st  # noqa: E402

from casa_ui.gateway import gateway_url  # noqa: E402

st.set_page_config(page_title="casa — house prices", page_icon=":material/home:", layout="wide")

pages = st.navigation(
    [
        st.Page("views/prediction.py", title="Prediction", icon=":material/sell:", default=True),
        st.Page("views/history.py", title="History", icon=":material/history:", url_path="history"),
        st.Page("views/batches.py", title="Batches", icon=":material/inventory_2:", url_path="batches"),
    ]
)
st.sidebar.caption(f"Gateway: `{gateway_url()}`")
pages.run()
