"""Running the course for a class: several Streamlit processes behind HAProxy."""
