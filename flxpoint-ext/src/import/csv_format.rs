//! Reading a CSV input, format-agnostic: the header row, then one record at a time into one
//! reused buffer (constant memory), with the problems of shape every format shares: an empty
//! file, a file in UTF-16 or UTF-32, unknown or repeated columns, a row whose field count is not
//! the header's (a quoting error shows up here: an unclosed quote swallows the following lines
//! into one field), a record over [`MAX_RECORD_BYTES`], and text that is not UTF-8.
//!
//! Files as spreadsheets write them: `\n`, `\r\n` or a lone `\r` ends a line; the delimiter is
//! the one given, or found from the header line (`,`, else `;` or a tab); a UTF-8 byte-order
//! mark is skipped; blank rows (every cell empty or spaces) are skipped and counted. Lines are
//! the file's physical lines, counted here as the bytes pass (the `csv` crate's own line count
//! is not the file's: it drifts on `\r\n`).

use super::Problem;
use std::collections::VecDeque;
use std::io::{self, Read};

/// The most bytes one record (one row, with all its lines) may take. A record past it is a
/// problem and reading stops: an unclosed quote near the top of a large file would otherwise
/// read the whole file into one value.
pub(crate) const MAX_RECORD_BYTES: u64 = 1 << 20;

/// How much of the file's start is read ahead to find its encoding and delimiter (only its
/// first line is looked at; 64 KiB holds any real header line, and costs nothing to keep).
const SNIFF_BYTES: u64 = 64 << 10;

/// The delimiters a header is checked against when it does not parse: (byte, name).
const DELIMITERS: [(u8, &str); 4] =
    [(b',', "comma"), (b';', "semicolon"), (b'\t', "tab"), (b'|', "pipe")];

/// The rows of a CSV file after its header.
pub(crate) struct CsvRows<R: Read> {
    records: Records<R>,
    header: Vec<String>,
    /// The line and column of the last record's value spanning lines, if it had one.
    last_multiline: Option<(u64, String)>,
    /// Whether a record followed the header.
    any_row: bool,
    /// Rows skipped for being blank.
    blank_rows: u64,
    /// Reading stopped at a record over [`MAX_RECORD_BYTES`] (reported): the end was not seen.
    stopped: bool,
}

/// The column indexes of a header, by the position of each name in the format's list of
/// known columns.
pub(crate) type Columns = Vec<Option<usize>>;

/// The input as the CSV reader reads it: the sniffed start, then the rest.
type Input<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

impl<R: Read> CsvRows<R> {
    /// Reads the header and maps it onto `known` (the format's column names, exact case),
    /// splitting on `delimiter`, or on the one the header line shows when `None`.
    /// `Ok(None)` when the file is unusable (empty, not UTF-8, a bad header): the problems are
    /// reported.
    pub(crate) fn open(
        mut input: R,
        known: &[&str],
        delimiter: Option<u8>,
        on_problem: &mut dyn FnMut(Problem),
    ) -> Result<Option<(Self, Columns)>, io::Error> {
        let mut start = Vec::new();
        input.by_ref().take(SNIFF_BYTES).read_to_end(&mut start)?;
        if let Some(encoding) = wide_encoding(&start) {
            on_problem(Problem::new(
                1,
                "header",
                format!("the file is {encoding}; save it as CSV UTF-8"),
            ));
            return Ok(None);
        }
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(first_line(&start)));
        let mut records = Records::new(io::Cursor::new(start).chain(input), delimiter);
        let line = match records.next()? {
            Next::Record(line) => line,
            Next::End => {
                on_problem(Problem::new(1, "header", "the file is empty: it needs a header row"));
                return Ok(None);
            }
            Next::TooLong(line) => {
                on_problem(too_long(line, "header"));
                return Ok(None);
            }
        };
        let Some((header, columns)) = read_header(&records.record, line, known, on_problem) else {
            return Ok(None);
        };
        let rows = Self {
            records,
            header,
            last_multiline: None,
            any_row: false,
            blank_rows: 0,
            stopped: false,
        };
        Ok(Some((rows, columns)))
    }

    /// The next record that is not blank, or `None` at the end of the file (or where reading
    /// stopped, reported to `on_problem`).
    pub(crate) fn next_row(
        &mut self,
        on_problem: &mut dyn FnMut(Problem),
    ) -> Result<Option<Row<'_>>, io::Error> {
        let line = loop {
            match self.records.next()? {
                Next::Record(_) if is_blank(&self.records.record) => self.blank_rows += 1,
                Next::Record(line) => break line,
                Next::End => return Ok(None),
                Next::TooLong(line) => {
                    on_problem(too_long(line, "row"));
                    self.stopped = true;
                    return Ok(None);
                }
            }
        };
        self.any_row = true;
        let record = &self.records.record;
        // (A record of the wrong length is reported by `check_shape` already.)
        let multiline = (record.len() == self.header.len())
            .then(|| record.iter().position(|f| f.contains(&b'\n') || f.contains(&b'\r')))
            .flatten();
        self.last_multiline =
            multiline.map(|i| (line, self.header.get(i).cloned().unwrap_or_default()));
        Ok(Some(Row { line, record, header: &self.header }))
    }

    /// How many blank rows (every cell empty or spaces only) were skipped.
    pub(crate) fn blank_rows(&self) -> u64 {
        self.blank_rows
    }

    /// At the end of the file: a quote opened and never closed has run to the end of the file,
    /// swallowing the lines after it into the last record's value (its field count may well
    /// be right); an odd number of quotes in the file gives it away. A header with no rows
    /// after it is a problem too: there is nothing `to` do. (Neither is known when reading
    /// stopped early.)
    pub(crate) fn finish(&self, to: &str, on_problem: &mut dyn FnMut(Problem)) {
        if self.stopped {
            return;
        }
        let counted = self.records.counted();
        if let (Some((line, field)), true) = (&self.last_multiline, counted.quotes % 2 == 1) {
            on_problem(Problem::new(
                *line,
                field.clone(),
                "opens a quote that is never closed: the value runs to the end of the file",
            ));
        }
        if !self.any_row {
            on_problem(Problem::new(
                counted.line.max(2),
                "header",
                format!("the file has a header but no rows: nothing to {to}"),
            ));
        }
    }
}

/// The header's names and their columns; `None` when it has problems (reported).
fn read_header(
    record: &csv::ByteRecord,
    line: u64,
    known: &[&str],
    on_problem: &mut dyn FnMut(Problem),
) -> Option<(Vec<String>, Columns)> {
    let mut columns: Columns = vec![None; known.len()];
    let mut header = Vec::with_capacity(record.len());
    let mut bad = false;
    for (index, raw) in record.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(raw) else {
            on_problem(Problem::new(line, format!("column {}", index + 1), "is not UTF-8"));
            bad = true;
            header.push(String::new());
            continue;
        };
        let name = name.trim_start_matches('\u{feff}').trim();
        match known.iter().position(|k| *k == name) {
            Some(k) if columns[k].is_some() => {
                on_problem(Problem::new(line, name, "is named twice in the header"));
                bad = true;
            }
            Some(k) => columns[k] = Some(index),
            None => {
                on_problem(unknown_column(line, index, name, record.len(), known));
                bad = true;
            }
        }
        header.push(name.to_owned());
    }
    (!bad).then_some((header, columns))
}

/// The problem of a header cell that is not a known column; when another delimiter would split
/// it into known ones, it says so (the file was read with the wrong delimiter).
fn unknown_column(line: u64, index: usize, name: &str, cells: usize, known: &[&str]) -> Problem {
    let looks = DELIMITERS.iter().find(|(d, _)| {
        let mut parts = name.split(char::from(*d));
        parts.clone().count() > 1 && parts.any(|part| known.contains(&part.trim()))
    });
    let hint = |&(d, word): &(u8, &str)| {
        let shown = if d == b'\t' { "\\t".to_owned() } else { char::from(d).to_string() };
        format!("the file looks {word}-separated (delimiter `{shown}`?)")
    };
    match looks {
        Some(found) if cells == 1 => {
            Problem::new(line, "header", format!("has one column `{name}`: {}", hint(found)))
        }
        _ => {
            let field = if name.is_empty() { format!("column {}", index + 1) } else { name.into() };
            let mut message = format!("is not a known column (known: {})", known.join(", "));
            if let Some(found) = looks {
                message = format!("{message}; {}", hint(found));
            }
            Problem::new(line, field, message)
        }
    }
}

/// The problem of a record over [`MAX_RECORD_BYTES`], at its first line; `field` is `header`
/// or `row` (the column is unknown: the record was not read to its end).
fn too_long(line: u64, field: &str) -> Problem {
    Problem::new(
        line,
        field,
        format!(
            "the record starting here is over {} MiB: an unclosed quote? reading stopped",
            MAX_RECORD_BYTES >> 20
        ),
    )
}

/// Whether every cell of `record` is empty or spaces only (a cell [`Row::cell`] reads as
/// absent), as spreadsheets write past the last row: `,,,,`.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| std::str::from_utf8(f).is_ok_and(|t| t.trim().is_empty()))
}

/// The encoding of a file in UTF-16 or UTF-32: by its byte-order mark, else by the NUL bytes
/// of its first line (the order of its first two bytes tells the byte order).
fn wide_encoding(start: &[u8]) -> Option<&'static str> {
    const MARKS: [(&[u8], &str); 4] = [
        // UTF-32 LE first: its mark begins with UTF-16 LE's.
        (b"\xff\xfe\0\0", "UTF-32 (little-endian)"),
        (b"\0\0\xfe\xff", "UTF-32 (big-endian)"),
        (b"\xff\xfe", "UTF-16 (little-endian)"),
        (b"\xfe\xff", "UTF-16 (big-endian)"),
    ];
    if let Some((_, name)) = MARKS.iter().find(|(mark, _)| start.starts_with(mark)) {
        return Some(name);
    }
    if !first_line(start).contains(&0) {
        return None;
    }
    Some(match start {
        [_, 0, 0, 0, ..] => "UTF-32 (little-endian)",
        [0, 0, 0, _, ..] => "UTF-32 (big-endian)",
        [0, ..] => "UTF-16 (big-endian)",
        _ => "UTF-16 (little-endian)",
    })
}

/// The first line of `start`, without its line end.
fn first_line(start: &[u8]) -> &[u8] {
    let end = start.iter().position(|b| matches!(b, b'\r' | b'\n')).unwrap_or(start.len());
    &start[..end]
}

/// A comma, unless the header line has none and has a semicolon (European spreadsheets) or,
/// failing that, a tab (TSV exports).
fn detect_delimiter(header: &[u8]) -> u8 {
    [b',', b';', b'\t'].into_iter().find(|d| header.contains(d)).unwrap_or(b',')
}

/// What [`Records::next`] found.
enum Next {
    /// A record (in [`Records::record`]), at this line.
    Record(u64),
    /// The end of the file.
    End,
    /// A record starting at this line is over [`MAX_RECORD_BYTES`]; reading must stop.
    TooLong(u64),
}

/// The CSV reader over a [`Counting`] input, and the one record buffer.
struct Records<R> {
    reader: csv::Reader<Counting<Input<R>>>,
    record: csv::ByteRecord,
}

impl<R: Read> Records<R> {
    fn new(input: Input<R>, delimiter: u8) -> Self {
        let reader = csv::ReaderBuilder::new()
            .buffer_capacity(CSV_BUFFER)
            .has_headers(false)
            .delimiter(delimiter)
            // Field counts are checked here, to name the line and column.
            .flexible(true)
            .from_reader(Counting::new(input));
        Self { reader, record: csv::ByteRecord::new() }
    }

    fn next(&mut self) -> Result<Next, io::Error> {
        let start = self.reader.position().byte();
        self.reader.get_mut().begin_record(start);
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => Ok(Next::Record(self.reader.get_ref().line_at(start))),
            Ok(false) => Ok(Next::End),
            Err(e) => match e.into_kind() {
                csv::ErrorKind::Io(e) if e.get_ref().is_some_and(|e| e.is::<RecordTooLong>()) => {
                    Ok(Next::TooLong(self.reader.get_ref().line_at(start)))
                }
                csv::ErrorKind::Io(e) => Err(e),
                other => Err(io::Error::other(format!("{other:?}"))),
            },
        }
    }

    fn counted(&self) -> &Counting<Input<R>> {
        self.reader.get_ref()
    }
}

/// The error [`Counting`] stops the CSV reader with: the record being read is over
/// [`MAX_RECORD_BYTES`] (the `csv` crate's record buffer grows without limit).
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a record is over {MAX_RECORD_BYTES} bytes")
    }
}

impl std::error::Error for RecordTooLong {}

/// The CSV reader's buffer: no record can start further back than this from what was read.
const CSV_BUFFER: usize = 8 * 1024;

/// Everything the CSV reader reads, counted as it passes: the lines (`\n`, `\r\n` and a lone
/// `\r` each end one), where each line's first byte is, the quotes, and how far the reader is
/// past the start of the record it is reading.
struct Counting<R> {
    inner: R,
    /// Bytes read.
    offset: u64,
    /// The line of the next byte (1-based).
    line: u64,
    /// The last byte was `\r` (a `\n` after it ends the same line).
    after_cr: bool,
    /// Nothing but line ends since the current line began.
    line_empty: bool,
    /// (offset, line) of the first byte (not a line end) of the current record's first line
    /// and of each line in the reader's buffer (where the next record may start): a record
    /// of many short lines costs no entry per line.
    firsts: VecDeque<(u64, u64)>,
    /// Where the record being read starts.
    record_start: u64,
    /// The `"` read: a well-quoted file has an even number of them.
    quotes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.offset - self.record_start > MAX_RECORD_BYTES {
            return Err(io::Error::other(RecordTooLong));
        }
        let n = self.inner.read(buf)?;
        self.count(&buf[..n]);
        Ok(n)
    }
}

impl<R> Counting<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            line: 1,
            after_cr: false,
            line_empty: true,
            firsts: VecDeque::new(),
            record_start: 0,
            quotes: 0,
        }
    }

    /// Counts the bytes just read.
    fn count(&mut self, chunk: &[u8]) {
        self.quotes += chunk.iter().filter(|&&b| b == b'"').count() as u64;
        let is_line_end = |b: u8| b == b'\r' || b == b'\n';
        let mut i = 0;
        while let Some(&byte) = chunk.get(i) {
            if is_line_end(byte) {
                // The `\n` of a `\r\n` ends the line its `\r` ended.
                if !(byte == b'\n' && self.after_cr) {
                    self.line += 1;
                }
                (self.line_empty, self.after_cr) = (true, byte == b'\r');
                i += 1;
            } else {
                if self.line_empty {
                    self.firsts.push_back((self.offset + i as u64, self.line));
                    self.line_empty = false;
                }
                self.after_cr = false;
                // On to the next line end at once: a byte at a time cost ~10 % of the checks.
                i += chunk[i..].iter().position(|&b| is_line_end(b)).unwrap_or(chunk.len() - i);
            }
        }
        self.offset += chunk.len() as u64;
        let horizon = self.offset.saturating_sub(2 * CSV_BUFFER as u64);
        while self.firsts.get(1).is_some_and(|&(offset, _)| offset < horizon) {
            self.firsts.remove(1);
        }
    }

    /// A record starts at byte `start` (the CSV reader's position): the lines before it are
    /// forgotten, and it may take [`MAX_RECORD_BYTES`] from there.
    fn begin_record(&mut self, start: u64) {
        while self.firsts.front().is_some_and(|&(offset, _)| offset < start) {
            self.firsts.pop_front();
        }
        self.record_start = start;
    }

    /// The line of the record starting at byte `start`: that of the first line with a byte
    /// other than a line end from there (the CSV reader skips empty lines before a record).
    fn line_at(&self, start: u64) -> u64 {
        let first = self.firsts.iter().find(|&&(offset, _)| offset >= start);
        first.map_or(self.line, |&(_, line)| line)
    }
}

/// One record of the file, borrowed from the reader's buffer.
pub(crate) struct Row<'a> {
    /// Its (first) line.
    pub line: u64,
    record: &'a csv::ByteRecord,
    header: &'a [String],
}

impl Row<'_> {
    /// Reports the problems of shape (field count, UTF-8); `false` if there were any, and the
    /// row's values must not be read.
    pub(crate) fn check_shape(&self, on_problem: &mut dyn FnMut(Problem)) -> bool {
        let (got, want) = (self.record.len(), self.header.len());
        if got != want {
            let broken = self.record.iter().position(|f| f.contains(&b'\n') || f.contains(&b'\r'));
            let problem = match broken {
                Some(index) => Problem::new(
                    self.line,
                    self.header.get(index).cloned().unwrap_or_default(),
                    format!(
                        "opens a quote that is not closed on its line (the quoted value runs \
                         over the following lines); the row has {got} field(s), the header {want}"
                    ),
                ),
                None if got < want => Problem::new(
                    self.line,
                    self.header[got].clone(),
                    format!("is missing: the row has {got} field(s), the header {want}"),
                ),
                None => Problem::new(
                    self.line,
                    format!("column {}", want + 1),
                    format!("is beyond the header: the row has {got} field(s), the header {want}"),
                ),
            };
            on_problem(problem);
            return false;
        }
        let mut ok = true;
        for (index, raw) in self.record.iter().enumerate() {
            if std::str::from_utf8(raw).is_err() {
                on_problem(Problem::new(self.line, self.header[index].clone(), "is not UTF-8"));
                ok = false;
            }
        }
        ok
    }

    /// The cell at `index` (a column the header has), `None` when blank (empty or spaces).
    /// Call after [`Row::check_shape`] passed.
    pub(crate) fn cell(&self, index: Option<usize>) -> Option<&str> {
        let text = std::str::from_utf8(self.record.get(index?)?).ok()?;
        (!text.trim().is_empty()).then_some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = MAX_RECORD_BYTES as usize;

    fn is_too_long(e: &io::Error) -> bool {
        e.get_ref().is_some_and(|e| e.is::<RecordTooLong>())
    }

    #[test]
    fn a_record_may_take_the_bound_and_no_more() {
        let mut counting = Counting::new(io::repeat(b'a').take(MAX as u64 + 100));
        counting.begin_record(0);
        counting.read_exact(&mut vec![0; MAX]).unwrap();
        // Exactly at the bound: one more read is allowed (the record may end in it)...
        assert_eq!(counting.read(&mut [0; 8]).unwrap(), 8);
        // ...and past it, reading stops.
        assert!(is_too_long(&counting.read(&mut [0; 8]).unwrap_err()));
    }

    #[test]
    fn a_record_far_into_the_input_is_measured_from_its_own_start() {
        let mut counting = Counting::new(io::repeat(b'a').take(3 * MAX as u64));
        let mut chunk = vec![0; 64 << 10];
        while counting.offset < 2 * MAX as u64 {
            counting.begin_record(counting.offset);
            counting.read_exact(&mut chunk).unwrap();
        }
        counting.begin_record(counting.offset);
        counting.read_exact(&mut chunk).unwrap();
    }

    #[test]
    fn a_record_of_many_short_lines_keeps_few_line_starts() {
        // 100 000 lines in one quoted value: only the lines the reader's buffer may still hold
        // (two buffers' worth) are kept, besides the record's first.
        let text = format!("\"{}\"\n", "a\n".repeat(100_000));
        let mut counting = Counting::new(io::Cursor::new(text));
        counting.begin_record(0);
        io::copy(&mut counting, &mut io::sink()).unwrap();
        assert_eq!(counting.line, 100_002);
        let kept = counting.firsts.len();
        assert!((1..=CSV_BUFFER + 1).contains(&kept), "{kept} line starts kept");
    }

    /// Header `a,b`, then records of `size` bytes each, then an error instead of the end.
    struct FailingAfter(io::Chain<io::Cursor<Vec<u8>>, io::Take<io::Repeat>>);

    impl Read for FailingAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::new(io::ErrorKind::ConnectionReset, "the disk went away")),
                n => Ok(n),
            }
        }
    }

    fn rows(input: impl Read) -> (Vec<u64>, Vec<Problem>, io::Result<()>) {
        let mut problems = Vec::new();
        let (mut rows, _) =
            CsvRows::open(input, &["a", "b"], None, &mut |p| problems.push(p)).unwrap().unwrap();
        let mut lines = Vec::new();
        let result = loop {
            match rows.next_row(&mut |p| problems.push(p)) {
                Ok(Some(row)) => lines.push(row.line),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        (lines, problems, result)
    }

    #[test]
    fn records_of_a_large_file_are_each_within_the_bound() {
        // Three records of 600 KiB: 1.8 MiB in all, each under the bound.
        let note = "n".repeat(600 << 10);
        let file = format!("a,b\n1,{note}\n2,{note}\n3,{note}\n");
        let (lines, problems, result) = rows(io::Cursor::new(file));
        result.unwrap();
        assert_eq!(lines, [2, 3, 4]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn an_input_error_is_an_error_not_a_long_record() {
        // Past the sniffed start (64 KiB), so that the CSV reader meets the error.
        let start = io::Cursor::new(b"a,b\n1,2\n".to_vec());
        let input = FailingAfter(start.chain(io::repeat(b'x').take(100 << 10)));
        let (_, problems, result) = rows(input);
        let e = result.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}");
        assert!(problems.is_empty(), "{problems:?}");
    }
}
