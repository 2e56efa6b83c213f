"""Running voiceguide as a service: the systemd user unit and talking to systemd."""
