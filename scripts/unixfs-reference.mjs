// The reference IPFS importer and CAR reader, for gasguard's tests to check its own UnixFS
// encoder against (tests/ipfs.rs). Settings are kubo's defaults for `ipfs add --cid-version 1`:
// fixed 256 KiB chunks, raw leaves, a balanced DAG of at most 174 links per node.
//
//   node scripts/unixfs-reference.mjs cid FILE...      one CID per line, in argument order
//   node scripts/unixfs-reference.mjs car FILE OUT     writes the file's DAG as a CARv1, prints the CID
//   node scripts/unixfs-reference.mjs read-car FILE    prints {"roots", "blocks", "verified"} as JSON:
//                                                      the block CIDs in file order, and whether every
//                                                      block hashes to its CID
//   node scripts/unixfs-reference.mjs blocks CAR DIR   writes each block of a CAR as DIR/<CID>

import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarReader, CarWriter } from '@ipld/car'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { sha256 } from 'multiformats/hashes/sha2'

/** Imports `bytes` and returns the root CID and every block written, in write order. */
async function importBytes (bytes) {
  const blocks = new Map()
  const blockstore = {
    async put (cid, block) {
      blocks.set(cid.toString(), { cid, bytes: block })
      return cid
    }
  }
  let root
  for await (const entry of importer([{ content: bytes }], blockstore, {
    cidVersion: 1,
    rawLeaves: true,
    chunker: fixedSize({ chunkSize: 262144 }),
    layout: balanced({ maxChildrenPerNode: 174 })
  })) {
    root = entry.cid
  }
  return { root, blocks: [...blocks.values()] }
}

async function main (args) {
  const [command, ...rest] = args
  if (command === 'cid') {
    for (const path of rest) {
      const { root } = await importBytes(await readFile(path))
      process.stdout.write(`${root.toString()}\n`)
    }
  } else if (command === 'car' && rest.length === 2) {
    const { root, blocks } = await importBytes(await readFile(rest[0]))
    const { writer, out } = CarWriter.create([root])
    const chunks = []
    const collected = (async () => { for await (const chunk of out) chunks.push(chunk) })()
    for (const block of blocks) await writer.put(block)
    await writer.close()
    await collected
    await writeFile(rest[1], Buffer.concat(chunks))
    process.stdout.write(`${root.toString()}\n`)
  } else if (command === 'read-car' && rest.length === 1) {
    const reader = await CarReader.fromBytes(await readFile(rest[0]))
    const roots = (await reader.getRoots()).map((cid) => cid.toString())
    const blocks = []
    let verified = true
    for await (const { cid, bytes } of reader.blocks()) {
      blocks.push(cid.toString())
      const digest = await sha256.digest(bytes)
      if (cid.multihash.code !== sha256.code || !equal(digest.digest, cid.multihash.digest)) verified = false
    }
    process.stdout.write(`${JSON.stringify({ roots, blocks, verified })}\n`)
  } else if (command === 'blocks' && rest.length === 2) {
    const reader = await CarReader.fromBytes(await readFile(rest[0]))
    await mkdir(rest[1], { recursive: true })
    for await (const { cid, bytes } of reader.blocks()) await writeFile(join(rest[1], cid.toString()), bytes)
  } else {
    process.stderr.write('usage: unixfs-reference.mjs cid FILE... | car FILE OUT | read-car FILE | blocks CAR DIR\n')
    process.exit(2)
  }
}

function equal (a, b) {
  return a.length === b.length && a.every((byte, index) => byte === b[index])
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`)
  process.exit(2)
})
