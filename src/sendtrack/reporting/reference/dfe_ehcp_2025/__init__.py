"""DfE "Education, health and care plans", reporting year 2025 (June 2025 release), OGL v3.0."""
