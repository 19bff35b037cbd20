/* Intrusive doubly linked list, Linux style. */
#ifndef CVISOR_LIST_H
#define CVISOR_LIST_H
#include <stddef.h>
#include <stdbool.h>

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }

static inline void list_add_between(struct list_head *n, struct list_head *p, struct list_head *nx)
{
	n->next = nx; n->prev = p; p->next = n; nx->prev = n;
}
static inline void list_add(struct list_head *n, struct list_head *h) { list_add_between(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { list_add_between(n, h->prev, h); }
static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next; n->next->prev = n->prev; n->next = n->prev = n;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_safe(pos, n, head) \
	for (pos = (head)->next, n = pos->next; pos != (head); pos = n, n = pos->next)

#endif
