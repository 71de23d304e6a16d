//! The report: one CSV line per shipment (or per flagged row), streamed from the journal.

use super::{ImportError, JobKind, Journal};
use std::io::Write;

impl Journal {
    /// Writes the report as CSV, in input order; returns the lines written (header excluded).
    ///
    /// Shipments: `line,fulfillmentRequest,trackingNumber,outcome,shipmentId,error`, one line
    /// per shipment (its first line in the input; the fulfillment request as the file named
    /// it, id or number). Flags: `line,shipmentId,outcome,error`, one line per row (its
    /// batch's outcome). Outcomes are [`super::UnitState::as_str`]; errors never hold a token.
    pub fn write_report(&self, out: impl Write) -> Result<u64, ImportError> {
        let mut csv = csv::Writer::from_writer(out);
        let write_err = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(e) => ImportError::Report(e),
            other => ImportError::Report(std::io::Error::other(format!("{other:?}"))),
        };
        let (header, sql): (&[&str], &str) = match self.kind() {
            JobKind::Shipments => (
                &["line", "fulfillmentRequest", "trackingNumber", "outcome", "shipmentId", "error"],
                "SELECT first_line, COALESCE(CAST(request ->> '$.fulfillmentRequestId' AS TEXT), \
                 request ->> '$.purchaseOrderNumber'), request ->> '$.shipment.trackingNumber', \
                 state, shipment_id, error \
                 FROM units ORDER BY id",
            ),
            JobKind::Flags => (
                &["line", "shipmentId", "outcome", "error"],
                "SELECT f.line, f.shipment_id, u.state, u.error FROM flags f \
                 JOIN units u ON u.id = f.unit ORDER BY f.line",
            ),
        };
        csv.write_record(header).map_err(write_err)?;
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.error(e))?;
        let mut n = 0;
        let mut record = Vec::with_capacity(header.len());
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            record.clear();
            for i in 0..header.len() {
                let value: rusqlite::types::Value = row.get(i).map_err(|e| self.error(e))?;
                record.push(match value {
                    rusqlite::types::Value::Null => String::new(),
                    rusqlite::types::Value::Integer(v) => v.to_string(),
                    rusqlite::types::Value::Real(v) => v.to_string(),
                    rusqlite::types::Value::Text(v) => v,
                    rusqlite::types::Value::Blob(_) => String::new(),
                });
            }
            csv.write_record(&record).map_err(write_err)?;
            n += 1;
        }
        csv.flush().map_err(ImportError::Report)?;
        Ok(n)
    }
}
