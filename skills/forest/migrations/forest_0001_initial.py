"""Forest skill tables: SensorThings entities, rejected readings, alarms, subscriptions,
satellite hotspots, fire reports, agency keys.

Revision ID: forest_0001
Revises: 0001_core
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "forest_0001"
down_revision = "0001_core"
branch_labels = ("forest",)
depends_on = None


def upgrade() -> None:
    op.create_table('forest_agency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_table('forest_fire_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('photo_url', sa.String(length=500), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('request_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_key')
    )
    op.create_index(op.f('ix_forest_fire_reports_sender_id'), 'forest_fire_reports', ['sender_id'], unique=False)
    op.create_table('forest_hotspots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=8), nullable=False),
    sa.Column('satellite', sa.String(length=8), nullable=False),
    sa.Column('instrument', sa.String(length=8), nullable=False),
    sa.Column('acq_date', sa.Date(), nullable=False),
    sa.Column('acq_time', sa.String(length=4), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('confidence_raw', sa.String(length=8), nullable=False),
    sa.Column('confidence_class', sa.String(length=8), nullable=False),
    sa.Column('brightness_k', sa.Float(), nullable=True),
    sa.Column('frp_mw', sa.Float(), nullable=True),
    sa.Column('daynight', sa.String(length=1), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('province_th', sa.String(length=80), nullable=False),
    sa.Column('district_th', sa.String(length=80), nullable=False),
    sa.Column('district_code', sa.String(length=16), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('zone_name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('satellite', 'acq_date', 'acq_time', 'latitude', 'longitude', name='uq_forest_hotspot')
    )
    op.create_index(op.f('ix_forest_hotspots_local_date'), 'forest_hotspots', ['local_date'], unique=False)
    op.create_table('forest_observed_properties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('definition', sa.String(length=300), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('forest_sensors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('encoding_type', sa.String(length=64), nullable=False),
    sa.Column('metadata_url', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('forest_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('area_key', sa.String(length=64), nullable=False),
    sa.Column('area_th', sa.String(length=200), nullable=False),
    sa.Column('district_code', sa.String(length=16), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sender_id', 'area_key', name='uq_forest_subscription')
    )
    op.create_index(op.f('ix_forest_subscriptions_sender_id'), 'forest_subscriptions', ['sender_id'], unique=False)
    op.create_table('forest_things',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('expected_interval_s', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('forest_alarms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('originator', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('active_key', sa.String(length=120), nullable=True),
    sa.Column('thing_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('district_code', sa.String(length=16), nullable=False),
    sa.Column('agency', sa.String(length=16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('start_ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ack_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clear_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['thing_id'], ['forest_things.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('active_key')
    )
    op.create_index('ix_forest_alarms_status', 'forest_alarms', ['status'], unique=False)
    op.create_table('forest_datastreams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('thing_id', sa.Integer(), nullable=False),
    sa.Column('sensor_id', sa.Integer(), nullable=False),
    sa.Column('observed_property_id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=64), nullable=False),
    sa.Column('unit_symbol', sa.String(length=16), nullable=False),
    sa.Column('unit_definition', sa.String(length=300), nullable=False),
    sa.Column('observation_type', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['observed_property_id'], ['forest_observed_properties.id'], ),
    sa.ForeignKeyConstraint(['sensor_id'], ['forest_sensors.id'], ),
    sa.ForeignKeyConstraint(['thing_id'], ['forest_things.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_forest_datastreams_thing_id'), 'forest_datastreams', ['thing_id'], unique=False)
    op.create_table('forest_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thing_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('encoding_type', sa.String(length=64), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('district_code', sa.String(length=16), nullable=False),
    sa.Column('district_th', sa.String(length=80), nullable=False),
    sa.Column('province_th', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['thing_id'], ['forest_things.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thing_id')
    )
    op.create_table('forest_rejected_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thing_id', sa.Integer(), nullable=True),
    sa.Column('datastream_ref', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thing_id'], ['forest_things.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_forest_rejected_readings_reason'), 'forest_rejected_readings', ['reason'], unique=False)
    op.create_index(op.f('ix_forest_rejected_readings_thing_id'), 'forest_rejected_readings', ['thing_id'], unique=False)
    op.create_table('forest_features_of_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('encoding_type', sa.String(length=64), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['forest_locations.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location_id')
    )
    op.create_table('forest_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('datastream_id', sa.Integer(), nullable=False),
    sa.Column('phenomenon_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.Float(), nullable=False),
    sa.Column('feature_of_interest_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['datastream_id'], ['forest_datastreams.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['feature_of_interest_id'], ['forest_features_of_interest.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('datastream_id', 'phenomenon_time', name='uq_forest_observation')
    )
    op.create_index('ix_forest_observations_time', 'forest_observations', ['phenomenon_time'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_forest_observations_time', table_name='forest_observations')
    op.drop_table('forest_observations')
    op.drop_table('forest_features_of_interest')
    op.drop_index(op.f('ix_forest_rejected_readings_thing_id'), table_name='forest_rejected_readings')
    op.drop_index(op.f('ix_forest_rejected_readings_reason'), table_name='forest_rejected_readings')
    op.drop_table('forest_rejected_readings')
    op.drop_table('forest_locations')
    op.drop_index(op.f('ix_forest_datastreams_thing_id'), table_name='forest_datastreams')
    op.drop_table('forest_datastreams')
    op.drop_index('ix_forest_alarms_status', table_name='forest_alarms')
    op.drop_table('forest_alarms')
    op.drop_table('forest_things')
    op.drop_index(op.f('ix_forest_subscriptions_sender_id'), table_name='forest_subscriptions')
    op.drop_table('forest_subscriptions')
    op.drop_table('forest_sensors')
    op.drop_table('forest_observed_properties')
    op.drop_index(op.f('ix_forest_hotspots_local_date'), table_name='forest_hotspots')
    op.drop_table('forest_hotspots')
    op.drop_index(op.f('ix_forest_fire_reports_sender_id'), table_name='forest_fire_reports')
    op.drop_table('forest_fire_reports')
    op.drop_table('forest_agency_keys')
