//! The Kerio Outlook Connector cache database: format 1 (connectors before
//! 7.2.0) to format 2. (Being written.)
