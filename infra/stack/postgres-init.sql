-- The databases scripts/stack creates on the machine's PostgreSQL, for Docker's.
CREATE DATABASE apicurio_registry;
CREATE DATABASE channel_manager;
