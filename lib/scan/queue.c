/* queue.c — a bounded multi-producer multi-consumer queue of paths. The bound
 * keeps the walker from racing ahead of the workers and holding millions of
 * paths in memory on a large tree. */
#include <pthread.h>
#include <stdlib.h>

#include "scan.h"

struct scan_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    char **items;
    size_t cap, head, count;
    bool closed;
};

struct scan_queue *scan_queue_new(size_t capacity)
{
    struct scan_queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->items = calloc(capacity, sizeof *q->items);
    if (!q->items) {
        free(q);
        return NULL;
    }
    q->cap = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return q;
}

void scan_queue_free(struct scan_queue *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->count; i++)
        free(q->items[(q->head + i) % q->cap]);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    free(q->items);
    free(q);
}

void scan_queue_push(struct scan_queue *q, char *path)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->cap)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count) % q->cap] = path;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

char *scan_queue_pop(struct scan_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->lock);
    char *p = NULL;
    if (q->count) {
        p = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return p;
}

void scan_queue_close(struct scan_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}
