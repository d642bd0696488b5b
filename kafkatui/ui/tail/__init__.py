"""The tail's screen and widgets: the Line-API record table, prompts, status, record detail, save."""
