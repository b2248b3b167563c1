// Writes PicGo/PicList files with PicGo's own library, @picgo/store: the
// importer's tests read what PicGo would have written.
//
//   node write.js PLAN.json
//
// PLAN is a list of steps:
//   {"db": PATH, "insert": [item...], "update": [{"id": ID, "set": {...}}], "remove": [ID...]}
//     DBStore (collection "gallery", as PicGo's and PicList's
//     src/main/apis/core/datastore/index.ts open it): picgo.db, piclist.db
//   {"json": PATH, "set": {KEY: VALUE...}}
//     JSONStore, PicGo's config file (data.json)
const fs = require('fs')
const { DBStore, JSONStore } = require('@picgo/store')

async function main () {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  for (const step of plan) {
    if (step.db) {
      const db = new DBStore(step.db, 'gallery')
      if (step.insert) await db.insertMany(step.insert)
      for (const u of step.update || []) await db.updateById(u.id, u.set)
      for (const id of step.remove || []) await db.removeById(id)
    }
    if (step.json) {
      const store = new JSONStore(step.json)
      for (const [k, v] of Object.entries(step.set)) store.set(k, v)
    }
  }
}

main().catch(e => { console.error(e); process.exit(1) })
