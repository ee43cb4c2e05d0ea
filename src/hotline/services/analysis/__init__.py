"""Analysis (大数据分析): hot topics, bursts, association and the dashboard figures."""
