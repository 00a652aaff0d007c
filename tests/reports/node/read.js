// Print every sheet of an .xlsx as JSON rows, read by SheetJS (an independent reader).
// Dates come out as ISO strings (run with TZ=UTC), empty cells as null.
const XLSX = require("xlsx");

const book = XLSX.readFile(process.argv[2], { cellDates: true });
const sheets = {};
for (const name of book.SheetNames) {
  sheets[name] = {
    ref: book.Sheets[name]["!ref"] || "",
    rows: XLSX.utils.sheet_to_json(book.Sheets[name], {
      header: 1,
      raw: true,
      defval: null,
      blankrows: true,
    }),
  };
}
process.stdout.write(JSON.stringify(sheets));
