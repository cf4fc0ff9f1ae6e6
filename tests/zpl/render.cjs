// Renders ZPL with zebrash (zpl-renderer-js), an independent renderer, for the label tests:
//   node render.cjs IN.zpl OUT.png WIDTH_MM HEIGHT_MM DOTS_PER_MM
const fs = require("fs");
const { ready } = require("zpl-renderer-js");
(async () => {
  const [input, output, w, h, dpmm] = process.argv.slice(2);
  const { api } = await ready;
  const png = await api.zplToBase64Async(fs.readFileSync(input, "utf8"), Number(w), Number(h), Number(dpmm));
  fs.writeFileSync(output, Buffer.from(png, "base64"));
  process.exit(0);
})().catch((e) => { console.error(String(e)); process.exit(1); });
