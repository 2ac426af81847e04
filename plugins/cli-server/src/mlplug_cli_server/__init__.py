"""mlplug server and mlplug ui: the tracking server (Flask app on gunicorn) with the artifact proxy"""
