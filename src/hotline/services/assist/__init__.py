"""Assistance (辅助): difficulty, re-assessment, intake hints, linked tickets, knowledge."""
