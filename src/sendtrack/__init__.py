"""sendtrack: statutory SEND case tracking, timescales, performance and data quality."""
