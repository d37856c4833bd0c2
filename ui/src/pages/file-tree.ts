/**
 * The namespace files page's tree, built from the flat list of file paths the API's search gives
 * (`/queries/q.sql`) plus the folders created on the page that hold no file yet (internal storage
 * keeps no empty folder: a folder exists once a file is saved in it).
 */
export interface TreeNode {
  name: string;
  /** `/queries` for a folder, `/queries/q.sql` for a file. */
  path: string;
  folder: boolean;
  children: TreeNode[];
}

/** Folders first, then files, each by name. */
function sortTree(nodes: TreeNode[]): TreeNode[] {
  nodes.sort((a, b) => Number(b.folder) - Number(a.folder) || a.name.localeCompare(b.name));
  for (const node of nodes) sortTree(node.children);
  return nodes;
}

export function buildTree(files: readonly string[], emptyFolders: readonly string[]): TreeNode[] {
  const top: TreeNode[] = [];
  const add = (path: string, folder: boolean) => {
    let level = top;
    let current = '';
    const names = path.split('/').filter(Boolean);
    names.forEach((name, index) => {
      current = `${current}/${name}`;
      const isFolder = folder || index < names.length - 1;
      let node = level.find((n) => n.name === name && n.folder === isFolder);
      if (!node) level.push((node = { name, path: current, folder: isFolder, children: [] }));
      level = node.children;
    });
  };
  for (const folder of emptyFolders) add(folder, true);
  for (const file of files) add(file, false);
  return sortTree(top);
}

/** `/a/b/c.sql` → `/a/b`; `/c.sql` → `` (the top). */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** A path typed by the user: absolute when it starts with `/`, else under `folder`; no trailing `/`. */
export function resolvePath(folder: string, typed: string): string {
  const path = typed.trim().startsWith('/') ? typed.trim() : `${folder}/${typed.trim()}`;
  return path.replace(/\/+/g, '/').replace(/\/$/, '');
}

/** `path` is `folder` or inside it. */
export function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}
