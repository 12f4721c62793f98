"""casa's Streamlit UI: a gateway client and the charts the pages draw."""
