"""Everything kafkatui asks the Kafka brokers, read-only: the admin source and its wire requests,
the conversion of answers into the model, and the pure rules derived from them (lag, rates)."""
