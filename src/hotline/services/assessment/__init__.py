"""Assessment (考核): monthly scores, the report, supervision and warnings."""
