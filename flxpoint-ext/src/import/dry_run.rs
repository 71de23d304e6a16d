//! What a run would send, without sending it.

use super::destination::Check;
use super::journal::UnitState;
use super::{ImportError, JobKind, Journal, TokenLabel, TokenRouter};
use crate::{Validate, types};

/// One call a run would make: where its rows start, the token it would use, and the JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Planned {
    /// The first line of the input it comes from.
    pub line: u64,
    /// The token it would go with (a label, never the token).
    pub token: TokenLabel,
    /// The request body, as JSON.
    pub body: String,
}

impl Journal {
    /// Gives each call a run would make now to `each`, in input order, without sending
    /// anything or changing the journal; returns how many there are. A journal whose work went
    /// to another server is refused as [`Journal::run`] would ([`ImportError::JournalMismatch`]);
    /// its tokens are compared by the run only (it may be given a rotated one).
    ///
    /// ```no_run
    /// # fn demo(journal: &flxpoint_ext::import::Journal, router: &flxpoint_ext::import::TokenRouter) -> Result<(), flxpoint_ext::import::ImportError> {
    /// journal.dry_run(router, false, |p| println!("line {} ({}): {}", p.line, p.token, p.body))?;
    /// # Ok(()) }
    /// ```
    pub fn dry_run(
        &self,
        router: &TokenRouter,
        retry_failed: bool,
        mut each: impl FnMut(Planned),
    ) -> Result<u64, ImportError> {
        self.check_destination(router, Check::DryRun)?;
        let states: Vec<String> =
            UnitState::to_send(retry_failed).iter().map(|s| format!("'{}'", s.as_str())).collect();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, token FROM units WHERE state IN ({}) ORDER BY id",
                states.join(", ")
            ))
            .map_err(|e| self.error(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.error(e))?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let (id, key): (i64, String) =
                (row.get(0).map_err(|e| self.error(e))?, row.get(1).map_err(|e| self.error(e))?);
            let label = TokenLabel::resolve(&key, router);
            let Some((token, client)) = label.and_then(|l| Some((l, router.client(l)?))) else {
                let token =
                    label.or_else(|| TokenLabel::from_key(&key)).unwrap_or(TokenLabel::Account);
                return Err(ImportError::MissingToken { token, units: 1 });
            };
            let (line, body) = match self.kind() {
                JobKind::Shipments => {
                    let (line, request) = self.shipment(id)?;
                    let request =
                        types::CreateShipmentRequest::from_json(request, client.token_kind());
                    (line, request.map(|r| serde_json::to_string(&r)))
                }
                JobKind::Flags => {
                    let (line, entries) = self.flag_batch(id)?;
                    let request = client.flag_shipments_with_errors(entries).to_request();
                    (line, request.map(|r| serde_json::to_string(&r)))
                }
            };
            let body = match body {
                Ok(Ok(json)) => json,
                Ok(Err(e)) => format!("{{\"error\": {:?}}}", e.to_string()),
                Err(e) => format!("{{\"error\": {:?}}}", e.to_string()),
            };
            each(Planned { line, token, body });
            n += 1;
        }
        Ok(n)
    }
}
