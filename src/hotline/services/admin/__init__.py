"""Administration: users, units, calendar, settings, rules in force, audit, backups."""
