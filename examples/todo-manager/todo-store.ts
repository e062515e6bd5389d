/**
 * A per-user todo list. It finds "the user" with getAuthInfo(), deep in the call stack, instead
 * of having the request threaded through every function.
 */
import { getAuthInfo } from '../../src/index.js';

export interface Todo {
  id: number;
  text: string;
  done: boolean;
}

const lists = new Map<string, Todo[]>();
let nextId = 1;

function currentList(): Todo[] {
  const owner = getAuthInfo()?.subject;
  if (!owner) throw new Error('No authenticated user in this context');
  let list = lists.get(owner);
  if (!list) {
    list = [];
    lists.set(owner, list);
  }
  return list;
}

export const todoStore = {
  list: (): Todo[] => [...currentList()],
  add(text: string): Todo {
    const todo = { id: nextId++, text, done: false };
    currentList().push(todo);
    return todo;
  },
  complete(id: number): Todo | undefined {
    const todo = currentList().find((t) => t.id === id);
    if (todo) todo.done = true;
    return todo;
  },
  remove(id: number): boolean {
    const list = currentList();
    const i = list.findIndex((t) => t.id === id);
    if (i === -1) return false;
    list.splice(i, 1);
    return true;
  },
};
