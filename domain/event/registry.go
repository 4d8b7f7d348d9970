package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
)

var (
	// ErrUnknownEventType means no Go type is registered under the stored type name.
	ErrUnknownEventType = errors.New("unknown event type")
	// ErrUnsupportedSchemaVersion means the type is known but not at that version.
	ErrUnsupportedSchemaVersion = errors.New("unsupported event schema version")
)

type key struct {
	eventType string
	version   int
}

type entry struct {
	goType reflect.Type
	decode func([]byte) (Event, error)
}

// Registry maps event type names and schema versions to Go types. Registration happens
// at start-up; afterwards Decode and Encode are safe for concurrent use. The zero value
// is an empty registry ready for Register.
type Registry struct {
	mu      sync.RWMutex
	entries map[key]entry
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Register adds T, a struct type implementing Event with value receivers, under its
// EventType and SchemaVersion. To read an old schema, register a second struct that
// reports the old version; the aggregate's Apply then handles both.
//
// Registering a type name and version twice, or a non-struct T, panics: it is a
// programming error that must stop the process at start-up, not corrupt reads later.
func Register[T Event](r *Registry) {
	goType := reflect.TypeFor[T]()
	if goType.Kind() != reflect.Struct {
		panic(fmt.Sprintf("event: Register[%v]: events must be struct types, registered by value", goType))
	}
	var zero T
	k := key{zero.EventType(), zero.SchemaVersion()}
	if k.eventType == "" {
		panic(fmt.Sprintf("event: Register[%v]: empty event type", goType))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, dup := r.entries[k]; dup {
		panic(fmt.Sprintf("event: %s v%d registered twice (%v and %v)", k.eventType, k.version, prev.goType, goType))
	}
	if r.entries == nil {
		r.entries = make(map[key]entry)
	}
	r.entries[k] = entry{goType: goType, decode: func(data []byte) (Event, error) {
		var e T
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, err
		}
		return e, nil
	}}
}

// Decode turns stored data into the registered value type (T, not *T). Unknown fields
// are ignored: a reader tolerates fields added after it was built, which is what lets
// a schema grow without a new version.
func (r *Registry) Decode(eventType string, schemaVersion int, data []byte) (Event, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: %q (nil registry)", ErrUnknownEventType, eventType)
	}
	r.mu.RLock()
	e, ok := r.entries[key{eventType, schemaVersion}]
	known := ok || r.knowsType(eventType)
	r.mu.RUnlock()
	switch {
	case !known:
		return nil, fmt.Errorf("%w: %q", ErrUnknownEventType, eventType)
	case !ok:
		return nil, fmt.Errorf("%w: %s v%d", ErrUnsupportedSchemaVersion, eventType, schemaVersion)
	}
	// A JSON null or array would "decode" into a zero struct; a stored event is an object.
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("event: decode %s v%d: data is not a JSON object", eventType, schemaVersion)
	}
	ev, err := e.decode(data)
	if err != nil {
		return nil, fmt.Errorf("event: decode %s v%d: %w", eventType, schemaVersion, err)
	}
	return ev, nil
}

// Encode renders e as JSON. It refuses events the registry could not decode again
// (unregistered, or a pointer to a registered struct) so nothing unreadable is stored.
func (r *Registry) Encode(e Event) ([]byte, error) {
	if e == nil || r == nil {
		return nil, fmt.Errorf("%w: nil event or registry", ErrUnknownEventType)
	}
	// Only structs are registered; rejecting pointers first also avoids calling a
	// value method through a nil pointer, which would panic.
	if reflect.TypeOf(e).Kind() != reflect.Struct {
		return nil, fmt.Errorf("event: encode %T: events are encoded by value, not as %v", e, reflect.TypeOf(e).Kind())
	}
	r.mu.RLock()
	entry, ok := r.entries[key{e.EventType(), e.SchemaVersion()}]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q v%d", ErrUnknownEventType, e.EventType(), e.SchemaVersion())
	}
	if got := reflect.TypeOf(e); got != entry.goType { // another struct claiming the name
		return nil, fmt.Errorf("event: encode %s: registered as %v, got %v", e.EventType(), entry.goType, got)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("event: encode %s: %w", e.EventType(), err)
	}
	return data, nil
}

// Types lists the registered event type names, sorted and without duplicates.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	types := make([]string, 0, len(r.entries))
	for k := range r.entries {
		types = append(types, k.eventType)
	}
	slices.Sort(types)
	return slices.Compact(types)
}

// Versions lists the schema versions registered for eventType, ascending.
func (r *Registry) Versions(eventType string) []int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var versions []int
	for k := range r.entries {
		if k.eventType == eventType {
			versions = append(versions, k.version)
		}
	}
	slices.Sort(versions)
	return versions
}

// knowsType tells ErrUnsupportedSchemaVersion from ErrUnknownEventType; the caller
// holds the read lock.
func (r *Registry) knowsType(eventType string) bool {
	for k := range r.entries {
		if k.eventType == eventType {
			return true
		}
	}
	return false
}
