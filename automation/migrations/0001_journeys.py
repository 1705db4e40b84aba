# Journeys, their runs and deliveries (PRO-6).

import automation.models
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('customers', '0011_customer_last_contacted_at'),
        ('promotions', '0002_coupon_schedules'),
        ('stores', '0007_contact_cap_daily_targets'),
        ('wechat', '0004_wecom_contacts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Journey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=40, verbose_name='name')),
                ('template', models.CharField(blank=True, editable=False, max_length=30, verbose_name='strategy template')),
                ('trigger', models.CharField(choices=[('coupon_expiring', 'Coupon expiring within N days'), ('birthday_month', 'Birthday month'), ('visited_not_bought', 'Visited, not bought within N days'), ('second_purchase', 'New customer with one order, N days on'), ('dormant', 'Dormant: no order for N days'), ('order_delivered', 'Order delivered N days ago (usage tips)'), ('maintenance_due', 'Maintenance due: N days after buying a product')], max_length=30, verbose_name='trigger')),
                ('trigger_days', models.PositiveSmallIntegerField(default=3, help_text='The N of the trigger (not used by the birthday month).', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(3650)], verbose_name='N days')),
                ('all_stores', models.BooleanField(default=True, verbose_name='all stores')),
                ('conditions', models.JSONField(blank=True, default=list, help_text='Optional rule conditions over customers (as in tag rules).', verbose_name='customer conditions')),
                ('action', models.CharField(choices=[('template_message', 'WeChat template message'), ('assistant_task', 'Task for the owner assistant'), ('issue_coupon', 'Issue a coupon')], max_length=20, verbose_name='action')),
                ('title', models.CharField(blank=True, help_text='Template message: the first line (up to 20 characters).', max_length=20, verbose_name='message title')),
                ('body', models.CharField(blank=True, help_text='Template message: the second line; assistant task: what to do.', max_length=20, verbose_name='message text')),
                ('link', models.CharField(choices=[('my_coupons', 'My coupons'), ('none', 'No link')], default='my_coupons', max_length=20, verbose_name='link')),
                ('send_hour', models.PositiveSmallIntegerField(default=10, help_text='Store time, from 9 to 20: never earlier or later.', validators=[django.core.validators.MinValueValidator(9), django.core.validators.MaxValueValidator(20)], verbose_name='send hour')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('active', 'Active'), ('paused', 'Paused')], default='draft', max_length=10, verbose_name='status')),
                ('starts_on', models.DateField(blank=True, null=True, verbose_name='first day')),
                ('ends_on', models.DateField(blank=True, help_text='Inclusive; empty: no end.', null=True, verbose_name='last day')),
                ('attribution_days', models.PositiveSmallIntegerField(default=7, help_text='An order within this many days after the step counts for the journey.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(90)], verbose_name='attribution window (days)')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('coupon_definition', models.ForeignKey(blank=True, help_text='Issue a coupon: one coupon of this definition.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='journeys', to='promotions.coupondefinition', verbose_name='coupon given')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('product', models.ForeignKey(blank=True, help_text='Maintenance due: orders of this product (a filter, a consumable).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='stores.product', verbose_name='product')),
                ('stores', models.ManyToManyField(blank=True, related_name='journeys', to='stores.store', verbose_name='stores')),
            ],
            options={
                'verbose_name': 'journey',
                'verbose_name_plural': 'journeys',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='JourneyDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occasion', models.CharField(max_length=60, verbose_name='occasion')),
                ('status', models.CharField(choices=[('pending', 'To do'), ('queued', 'Message queued'), ('issued', 'Coupon issued'), ('tasked', 'Task for the assistant'), ('opted_out', 'Skipped: opted out of marketing'), ('no_openid', 'Skipped: no WeChat'), ('no_owner', 'Skipped: no owner assistant'), ('refused', 'Skipped: coupon refused')], default='pending', max_length=10, verbose_name='status')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('token', models.CharField(default=automation.models.new_token, editable=False, max_length=32, unique=True, verbose_name='link token')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='found at')),
                ('acted_at', models.DateTimeField(blank=True, null=True, verbose_name='acted at')),
                ('opened_at', models.DateTimeField(blank=True, null=True, verbose_name='opened at')),
                ('attributed_until', models.DateTimeField(blank=True, null=True, verbose_name='attributed until')),
                ('coupon', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='promotions.coupon', verbose_name='coupon')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='journey_deliveries', to='customers.customer', verbose_name='customer')),
                ('journey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='automation.journey', verbose_name='journey')),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wechat.message', verbose_name='message')),
                ('store', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='stores.store', verbose_name='store')),
            ],
            options={
                'verbose_name': 'journey delivery',
                'verbose_name_plural': 'journey deliveries',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='JourneyRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('matched', models.PositiveIntegerField(default=0, verbose_name='new occasions')),
                ('acted', models.PositiveIntegerField(default=0, verbose_name='acted on')),
                ('capped', models.PositiveIntegerField(default=0, verbose_name='left out by the contact cap')),
                ('skipped', models.PositiveIntegerField(default=0, verbose_name='skipped')),
                ('journey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='automation.journey', verbose_name='journey')),
            ],
            options={
                'verbose_name': 'journey run',
                'verbose_name_plural': 'journey runs',
                'ordering': ['-day', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='journey',
            constraint=models.CheckConstraint(condition=models.Q(('send_hour__gte', 9), ('send_hour__lte', 20)), name='journey_send_hour_daytime'),
        ),
        migrations.AddConstraint(
            model_name='journey',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('action', 'issue_coupon'), _negated=True), ('coupon_definition__isnull', False), _connector='OR'), name='journey_coupon_action_has_definition'),
        ),
        migrations.AddIndex(
            model_name='journeydelivery',
            index=models.Index(fields=['journey', 'status'], name='automation__journey_4d1cc0_idx'),
        ),
        migrations.AddIndex(
            model_name='journeydelivery',
            index=models.Index(fields=['customer', 'created_at'], name='automation__custome_1ddef7_idx'),
        ),
        migrations.AddConstraint(
            model_name='journeydelivery',
            constraint=models.UniqueConstraint(fields=('journey', 'customer', 'occasion'), name='journey_delivery_once'),
        ),
        migrations.AddConstraint(
            model_name='journeyrun',
            constraint=models.UniqueConstraint(fields=('journey', 'day'), name='journey_run_once_a_day'),
        ),
    ]
